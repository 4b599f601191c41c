CREATE TABLE t738 (id bigint PRIMARY KEY, name text NOT NULL);
