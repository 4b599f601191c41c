CREATE TABLE t585 (id bigint PRIMARY KEY, name text NOT NULL);
