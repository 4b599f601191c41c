CREATE TABLE t608 (id bigint PRIMARY KEY, name text NOT NULL);
