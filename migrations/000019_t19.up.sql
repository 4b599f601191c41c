CREATE TABLE t19 (id bigint PRIMARY KEY, name text NOT NULL);
