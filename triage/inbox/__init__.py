"""The agency inbox: tickets assigned to my agency and what staff do with them."""
