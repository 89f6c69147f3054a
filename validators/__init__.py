"""Judging a dossier against the measures (rule sets as data) and fraud indicators.

Layout (pure functions, no prefect here):
- `ruleset.py` + `rulesets/*.yaml`   rule sets (dates in force, thresholds, materials, order)
- `registry.py`                     the earlier-recognitions CSV
- `batch_index.py`                  cross-dossier facts (people, accounts, page images, registry)
- `identifiers/`                    GB 11643 (ric), GB 32100 (uscc), GB 11714 (gb11714)
- `checks/`                         one function per rule id (ART3 … ART17)
- `flags/`                          flag codes of CONTRACT.md
- `forensics/`                      PDF structure, image hashes, ELA/noise, red seals
- `data/*.yaml`                     flag severities, editor producers, copy marks, issuers
- `judge.py`                        judge(record, index, ruleset, as_of, registry_given) -> Judgement
"""
