CREATE TABLE t616 (id bigint PRIMARY KEY, name text NOT NULL);
