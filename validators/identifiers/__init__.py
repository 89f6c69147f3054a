"""Identifier checks, one module per standard (modelled on python-stdnum).

- `ric`: GB 11643 resident identity numbers (check digit, birth date; region only as warnings)
- `uscc`: GB 32100 unified social credit codes, including the embedded GB 11714 code
- `gb11714`: GB 11714 organisation codes
"""
