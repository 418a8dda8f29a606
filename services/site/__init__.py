"""The site for people: server-rendered pages over the three services' public HTTP APIs."""
