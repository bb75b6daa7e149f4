"""The global meetup: one-on-one meetings between startups and large/mid-size firms.

Modules:
- models.py: settings, slots, tables, profiles, requests, meetings and seats
- recommend.py: pure partner recommendations (TF-IDF over ko+en text, sector, keywords)
- services.py: every change (requests, booking, cancelling, moving, reminders)
- planning.py: database <-> scheduler problem (format kicxup-meetings/1), preview and apply
- scheduler.py / generate.py: the pure solver and the problem generator
- agenda_pdf.py: printable agendas (reportlab)
- demo.py: demo data for KICXUP Global 2025
"""
