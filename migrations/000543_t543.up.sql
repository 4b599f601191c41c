CREATE TABLE t543 (id bigint PRIMARY KEY, name text NOT NULL);
