CREATE TABLE t773 (id bigint PRIMARY KEY, name text NOT NULL);
