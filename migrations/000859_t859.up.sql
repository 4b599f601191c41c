CREATE TABLE t859 (id bigint PRIMARY KEY, name text NOT NULL);
