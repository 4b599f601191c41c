CREATE TABLE t496 (id bigint PRIMARY KEY, name text NOT NULL);
