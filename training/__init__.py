"""Training the inserter: its dataset, then SFT and GRPO on that dataset.

The dataset: `dataset_options` (how examples are drawn), `dataset_schema` (the columns of one),
`examples` (building them from chunks), `splits` (by document), `dataset_io` (from a store to
disk and back). Training: `config` (the YAML settings and trl's configs built from them),
`sft`, `grpo`, and `modeling` (what both share).

A package beside `m2io_graph`, installed with it, so that `m2io train …` can import it; the graph
itself never imports training code.
"""
