CREATE TABLE t761 (id bigint PRIMARY KEY, name text NOT NULL);
