CREATE TABLE t531 (id bigint PRIMARY KEY, name text NOT NULL);
