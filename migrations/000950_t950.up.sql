CREATE TABLE t950 (id bigint PRIMARY KEY, name text NOT NULL);
