"""Cross-language (Chinese ⇄ English) matching: dictionary, sentence similarity, alignment."""
