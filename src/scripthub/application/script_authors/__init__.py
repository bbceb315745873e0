"""Co-authors of scripts: invitations, acceptance, removal and leaving, and the transfer of
a script's ownership to a co-author."""
