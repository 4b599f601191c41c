CREATE TABLE t545 (id bigint PRIMARY KEY, name text NOT NULL);
