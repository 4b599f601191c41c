CREATE TABLE t474 (id bigint PRIMARY KEY, name text NOT NULL);
