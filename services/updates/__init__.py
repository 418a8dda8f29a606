"""The updates service: creator updates, backer Q&A, Atom feeds and e-mail notifications."""
