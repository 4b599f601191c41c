CREATE TABLE t212 (id bigint PRIMARY KEY, name text NOT NULL);
