"""Net-Entreprises and IZILIO: the DSN machine-to-machine API (PROTOCOLS.md §1).

``block.py`` holds the credentials Block, ``client.py`` the client, ``errors.py`` what can go
wrong, ``auth.py`` the session token, ``windows.py`` the search windows of the listings.
Modules are imported by their own path (``…net_entreprises.client``), keeping this one free of
imports so that the Block loads without the client.
"""
