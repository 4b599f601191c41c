CREATE TABLE t454 (id bigint PRIMARY KEY, name text NOT NULL);
