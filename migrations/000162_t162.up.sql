CREATE TABLE t162 (id bigint PRIMARY KEY, name text NOT NULL);
