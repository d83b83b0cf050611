# The workbench in Swedish: "1 mars 2027 kl. 12.00", "2 400 000,00" (Django's own Swedish
# formats for the rest: decimal comma, a non-breaking space between thousands).
DATE_FORMAT = "j F Y"
TIME_FORMAT = "H.i"
DATETIME_FORMAT = r"j F Y \k\l. H.i"
SHORT_DATETIME_FORMAT = "Y-m-d H.i"
