"""Name parts for synthetic people and organisations. Combinations are drawn at
random: any resemblance to a real person is fortuitous. Never add real persons."""

FIRST_NAMES = (
    "Camille Dominique Claude Alix Sacha Morgan Lou Charlie Maxime Eden Noa Andrea Ange Loïc Nadia Karim Inès Hugo "
    "Léa Jules Manon Théo Chloé Lucas Emma Louis Jade Gabriel Sarah Nathan Lina Mehdi Yasmine Paul Zoé Arthur Alice "
    "Rose Victor Anna Tom Louise Yanis Clara Adam Eva Malik Sofia Hélène Bernard Monique Jacques Françoise Michel "
    "Sylvie Patrick Nathalie Thierry Valérie Pascal Isabelle Éric Catherine Olivier Sandrine Frédéric Céline"
).split()

LAST_NAMES = (
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefebvre Leroy Roux David "
    "Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefèvre Faure André Mercier "
    "Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry "
    "Roussel Mathieu Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun Blanchard "
    "Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche Renard Schmitt Roy Leroux Colin "
    "Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix Olivier Philippe Bourgeois Pierre Benoît Rey "
    "Leclerc Payet Hoarau Kerleau Le Goff Le Gall Tanguy Quéré Santoni Casanova Benali Nguyen Diallo Traoré Haddad"
).split()

# (label, FINESS category code, number of places range) for generated ESMS.
ESMS_TYPES = (
    ("EHPAD", "500", (40, 120)),
    ("Résidence autonomie", "202", (20, 70)),
    ("SSIAD", "354", (30, 90)),
    ("IME", "183", (20, 80)),
    ("SESSAD", "182", (15, 50)),
    ("ESAT", "246", (30, 120)),
    ("MAS", "255", (20, 60)),
    ("FAM", "437", (20, 50)),
    ("Foyer de vie", "382", (15, 50)),
    ("SAMSAH", "445", (15, 40)),
)

MANAGING_BODY_KINDS = (
    "Association {name}",
    "Fondation {name}",
    "Mutualité {name}",
    "CCAS de {commune}",
    "Groupe {name} Santé",
)

PATRON_NAMES = (
    "Les Tilleuls",
    "Les Glycines",
    "L'Horizon",
    "Les Mouettes",
    "Le Bocage",
    "La Source",
    "Les Ajoncs",
    "Le Phare",
    "Les Hortensias",
    "Le Verger",
    "Les Genêts",
    "L'Estuaire",
    "Les Cèdres",
    "La Roseraie",
    "Le Moulin",
    "Les Sables",
    "Pierre-Brossolette",
    "Marie-Curie",
    "Simone-Veil",
    "Jean-Moulin",
    "Victor-Hugo",
    "Les Lilas",
    "Le Clos Fleuri",
)
