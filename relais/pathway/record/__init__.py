"""The content of a coordination record: timeline events, documents (with upload checks), the shared plan (PPCS); its
writes and its policy-filtered reads.
"""
