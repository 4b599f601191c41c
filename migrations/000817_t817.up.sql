CREATE TABLE t817 (id bigint PRIMARY KEY, name text NOT NULL);
