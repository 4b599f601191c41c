CREATE TABLE t825 (id bigint PRIMARY KEY, name text NOT NULL);
