CREATE TABLE t563 (id bigint PRIMARY KEY, name text NOT NULL);
