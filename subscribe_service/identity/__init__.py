"""Who a person is to the service: an address's identity (`addresses`: normalised for
sending, keyed for duplicates and limits), purpose-bound signed `tokens` that prove a
link came from us, and the personal `links` built from them. Below mail and every part.
"""
