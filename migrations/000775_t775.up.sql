CREATE TABLE t775 (id bigint PRIMARY KEY, name text NOT NULL);
