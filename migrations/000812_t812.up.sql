CREATE TABLE t812 (id bigint PRIMARY KEY, name text NOT NULL);
