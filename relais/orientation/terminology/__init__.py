"""The SI-SDO code lists (TRE_R357 statuses, TRE_R358 reasons, JDV value sets, ASS_A32 rules): the tables, reading the
national files, loading them, and the cached readers the workflow uses.
"""
