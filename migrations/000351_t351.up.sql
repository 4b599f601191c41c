CREATE TABLE t351 (id bigint PRIMARY KEY, name text NOT NULL);
