"""The territory's figures (MDPH, département, ARS, national): aggregates of demand, decisions and delays, with
statistical secrecy.
"""
