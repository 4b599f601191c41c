CREATE TABLE t649 (id bigint PRIMARY KEY, name text NOT NULL);
