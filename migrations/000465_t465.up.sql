CREATE TABLE t465 (id bigint PRIMARY KEY, name text NOT NULL);
