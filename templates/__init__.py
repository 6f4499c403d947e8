"""The jinja2 mail templates, three per kind (`<kind>-subject.txt`, `-body.txt`, `-body.html`).

A package only so that they install with the project and are found as its package data
(sprint/config/resources.py), in a checkout and after `pip install .` alike."""
