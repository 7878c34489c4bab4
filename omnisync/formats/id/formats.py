# Indonesian as a shop in Jakarta writes it: day/month/year, a dot between hours and minutes ("03/12/2026 17.15").
# The long and short formats are the same on purpose: one way of writing a time in every table, card and input.
DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
TIME_FORMAT = "H.i"
DATETIME_FORMAT = "d/m/Y H.i"
SHORT_DATETIME_FORMAT = "d/m/Y H.i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1  # Monday

# The first of each list is how an input shows its value; the rest are also accepted, ISO included,
# so links and bookmarks written as 2026-12-03 keep working. Never month-first: 03/12 is 3 December.
DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 03/12/2026
    "%d-%m-%Y",  # 03-12-2026
    "%Y-%m-%d",  # 2026-12-03
]
TIME_INPUT_FORMATS = [
    "%H.%M",  # 17.15
    "%H:%M",  # 17:15
    "%H.%M.%S",
    "%H:%M:%S",
]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H.%M",  # 03/12/2026 17.15
    "%d/%m/%Y %H:%M",  # 03/12/2026 17:15
    "%d/%m/%Y %H.%M.%S",
    "%d-%m-%Y %H.%M",
    "%d-%m-%Y %H:%M",
    "%Y-%m-%d %H:%M",  # 2026-12-03 17:15
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",  # 2026-12-03T17:15
    "%d/%m/%Y",  # a date alone means its midnight
    "%Y-%m-%d",
]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
