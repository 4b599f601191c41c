CREATE TABLE t725 (id bigint PRIMARY KEY, name text NOT NULL);
