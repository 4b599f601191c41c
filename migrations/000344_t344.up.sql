CREATE TABLE t344 (id bigint PRIMARY KEY, name text NOT NULL);
