# English as a shop in Jakarta writes it: day first, a short month name, a 24-hour clock ("3 Dec 2026, 17:15").
# The long and short formats are the same on purpose: one way of writing a time in every table, card and input.
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1  # Monday

# The first of each list is how an input reads its value back ("%d %b %Y" parses "3 Dec 2026"); the rest are
# also accepted, ISO included, so links and bookmarks written as 2026-12-03 keep working. Never month-first.
DATE_INPUT_FORMATS = [
    "%d %b %Y",  # 3 Dec 2026
    "%d %B %Y",  # 3 December 2026
    "%d/%m/%Y",  # 03/12/2026
    "%Y-%m-%d",  # 2026-12-03
]
TIME_INPUT_FORMATS = [
    "%H:%M",
    "%H:%M:%S",
    "%H.%M",
]
DATETIME_INPUT_FORMATS = [
    "%d %b %Y, %H:%M",  # 3 Dec 2026, 17:15
    "%d %b %Y %H:%M",  # 3 Dec 2026 17:15
    "%d %B %Y, %H:%M",  # 3 December 2026, 17:15
    "%d %B %Y %H:%M",
    "%d/%m/%Y %H:%M",  # 03/12/2026 17:15
    "%Y-%m-%d %H:%M",  # 2026-12-03 17:15
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",  # 2026-12-03T17:15
    "%d %b %Y",  # a date alone means its midnight
    "%Y-%m-%d",
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
