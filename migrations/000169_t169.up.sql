CREATE TABLE t169 (id bigint PRIMARY KEY, name text NOT NULL);
