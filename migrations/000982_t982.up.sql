CREATE TABLE t982 (id bigint PRIMARY KEY, name text NOT NULL);
