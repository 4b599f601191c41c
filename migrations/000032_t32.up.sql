CREATE TABLE t32 (id bigint PRIMARY KEY, name text NOT NULL);
