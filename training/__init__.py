"""Training the inserter: its dataset (`data`), then SFT and GRPO on that dataset.

A package beside `m2io_graph`, installed with it, so that `m2io train …` can import it; the graph
itself never imports training code.
"""
