"""The shop's own date and time formats per language (settings.FORMAT_MODULE_PATH).

One format per language, the same in tables, pages, inputs, the report and
its e-mail, so a time reads and is typed the same way everywhere. What is not
set here falls back to Django's own locale formats.
"""
