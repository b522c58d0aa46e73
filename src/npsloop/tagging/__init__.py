"""The comment theme tagger and the seed data it ships with.

The seed files (seed_es.jsonl, seed_en.jsonl) are the default knowledge the tagger learns from
before an installation has labels of its own; they are kept apart from the evaluation set in
benchmarks/data/themes_eval.jsonl so the published scores are not scores on the training data.
"""
