CREATE TABLE t189 (id bigint PRIMARY KEY, name text NOT NULL);
