CREATE TABLE t630 (id bigint PRIMARY KEY, name text NOT NULL);
