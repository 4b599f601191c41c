CREATE TABLE t505 (id bigint PRIMARY KEY, name text NOT NULL);
