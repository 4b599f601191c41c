CREATE TABLE t523 (id bigint PRIMARY KEY, name text NOT NULL);
