CREATE TABLE t117 (id bigint PRIMARY KEY, name text NOT NULL);
